/** A minimal typed event emitter for the host's pure modules (they must not import `vscode`). */
export interface Disposable {
  dispose(): void;
}

export type Listener<T> = (value: T) => void;

export class Emitter<T> {
  private listeners = new Set<Listener<T>>();

  /** Subscribes; the returned object unsubscribes. */
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch (err) {
        // A faulty listener must not break the others (nor the engine event loop).
        console.error('[gradient-lab] listener failed:', err);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}

/**
 * An event that happens once (a process exit): `fire` records the value; a listener that
 * subscribes later still gets it, on a microtask, as if it had been there.
 */
export class Once<T> {
  private readonly emitter = new Emitter<T>();
  private fired: { value: T } | null = null;

  get value(): T | null {
    return this.fired?.value ?? null;
  }

  readonly event = (listener: Listener<T>): Disposable => {
    if (this.fired) {
      const { value } = this.fired;
      queueMicrotask(() => listener(value));
      return { dispose: () => undefined };
    }
    return this.emitter.event(listener);
  };

  /** Records and announces the value; later calls are ignored. */
  fire(value: T): void {
    if (this.fired) return;
    this.fired = { value };
    this.emitter.fire(value);
    this.emitter.dispose();
  }
}
