import { constants as bufferConstants } from 'node:buffer';
import * as os from 'node:os';
import type { ExperimentConfig } from '../../shared/config';
import { ConfigError } from '../config/errors';
import type { NetworkSpec } from '../model/network';

/** A WebAssembly (wasm32) memory holds at most 65,536 pages of 64 KiB. */
const WASM_BYTES = 65536 * 65536;
/** Characters of a number in a JSON checkpoint (a float32 widened to float64 prints ~18 digits, plus sign, point, comma). */
const JSON_CHARS_PER_NUMBER = 21;
const SLOTS: Record<ExperimentConfig['training']['optimizer']['type'], number> = { gd: 0, momentum: 1, rmsprop: 1, adam: 2 };

export interface ResourceEstimate {
  parameters: number;
  /** Bytes the backend must allocate: weights, gradients, optimizer slots, activations, data copies. */
  backendBytes: number;
  /** Bytes of the step-undo copies and other JavaScript-side buffers. */
  hostBytes: number;
  /** Characters of checkpoints/latest.json. */
  checkpointChars: number;
}

export function parameterCount(spec: NetworkSpec): number {
  let inputs = spec.inputs;
  let n = 0;
  for (const h of spec.hidden) {
    n += (inputs + 1) * h.units + (h.batchNorm ? 2 * h.units : 0);
    inputs = h.units;
  }
  return n + (inputs + 1) * spec.outputs;
}

/** What a run of `spec` needs, counted from shapes alone (nothing is allocated). */
export function estimateResources(config: ExperimentConfig, spec: NetworkSpec, capacity: number, rows: number, dtypeBytes: number): ResourceEstimate {
  const parameters = parameterCount(spec);
  const slots = SLOTS[config.training.optimizer.type];
  const units = spec.hidden.reduce((s, h) => s + h.units, 0) + spec.outputs;
  // Per layer: output, batch-norm output, activation output, dropout mask, and backward buffers.
  const activations = capacity * (units * 6 + spec.inputs * 2);
  const backendBytes = dtypeBytes * (parameters * (2 + slots) + activations + rows * spec.inputs + capacity * spec.inputs);
  const hostBytes = dtypeBytes * parameters * (1 + slots);
  const best = config.training.earlyStopping.enabled ? parameters : 0;
  const checkpointChars = JSON_CHARS_PER_NUMBER * (parameters * (1 + slots) + best);
  return { parameters, backendBytes, hostBytes, checkpointChars };
}

/**
 * Refuses, before anything is allocated, a model that cannot fit: in the backend's memory (4 GiB
 * for WebAssembly), in the machine's memory, or in a JSON checkpoint (one string holds at most
 * ~512 M characters in V8). A config error at /model/hidden with the counts.
 */
export function checkResources(config: ExperimentConfig, spec: NetworkSpec, capacity: number, rows: number,
  backend: { name: string; dtype: 'float32' | 'float64' }): void {
  const e = estimateResources(config, spec, capacity, rows, backend.dtype === 'float32' ? 4 : 8);
  const machine = os.totalmem();
  const wasm = backend.name.startsWith('wasm');
  const limits: [string, number, number][] = [
    ...(wasm ? [[`the WebAssembly backend's memory`, e.backendBytes, WASM_BYTES] as [string, number, number]] : []),
    ['the machine\'s memory', e.backendBytes + e.hostBytes, machine],
  ];
  const what = `${e.parameters.toLocaleString('en-US')} parameters`;
  for (const [where, need, have] of limits) {
    if (need > have) {
      throw new ConfigError([{ path: '/model/hidden', kind: 'semantic',
        message: `this model has ${what} and needs ≈ ${bytes(need)} (weights, gradients, optimizer state, activations), more than ${where} (${bytes(have)}); use fewer or smaller hidden layers` }]);
    }
  }
  const maxChars = bufferConstants.MAX_STRING_LENGTH;
  if (e.checkpointChars > maxChars) {
    throw new ConfigError([{ path: '/model/hidden', kind: 'semantic',
      message: `this model has ${what}: its checkpoint would be ≈ ${bytes(e.checkpointChars)} of JSON, more than one string can hold (${bytes(maxChars)}); use fewer or smaller hidden layers` }]);
  }
}

function bytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? n : n.toPrecision(3)} ${units[i]}`;
}
