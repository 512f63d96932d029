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
