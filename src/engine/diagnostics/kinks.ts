import { ActivationLayer } from '../model/layers/activation';
import type { Network } from '../model/network';

/**
 * Watches the inputs Z of a network's ReLU and leaky-ReLU layers for the gradient check. The
 * two-sided difference (J(θ+ε) − J(θ−ε))/2ε is a derivative only where J is smooth on [θ−ε, θ+ε];
 * when a perturbation moves some z across 0 (or onto / off 0) the difference mixes the slopes of
 * both sides of the kink and can disagree with backprop's one-sided derivative without any bug.
 * `mark()` records sign(z) at θ; `crossed()` says whether the last forward changed any sign.
 */
export class KinkWatch {
  private readonly layers: ActivationLayer[];
  private signs: Int8Array[] = [];

  constructor(net: Network) {
    this.layers = net.layers.filter((l): l is ActivationLayer => l instanceof ActivationLayer
      && (l.activation === 'relu' || l.activation === 'leakyRelu'));
  }

  get active(): boolean {
    return this.layers.length > 0;
  }

  /** Call right after the forward pass at θ. */
  mark(): void {
    this.signs = this.layers.map((l) => {
      const z = l.preActivation();
      const s = new Int8Array(z?.length ?? 0);
      if (z) for (let i = 0; i < z.length; i++) s[i] = Math.sign(z[i]);
      return s;
    });
  }

  /** Whether the last forward pass moved any watched z to the other side of 0 than at `mark()`. */
  crossed(): boolean {
    for (let k = 0; k < this.layers.length; k++) {
      const z = this.layers[k].preActivation();
      const s = this.signs[k];
      if (!z || z.length !== s.length) return true;
      for (let i = 0; i < z.length; i++) if (Math.sign(z[i]) !== s[i]) return true;
    }
    return false;
  }
}

/** |w| is not differentiable at 0: an L1-penalised entry whose θ ± ε changes sign (or leaves 0) straddles that kink. */
export function l1Kink(l1: number, regularized: boolean, value: number, up: number, down: number): boolean {
  if (!(l1 > 0) || !regularized) return false;
  const s = Math.sign(value);
  return Math.sign(up) !== s || Math.sign(down) !== s;
}
