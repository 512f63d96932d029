import type { Backend, FloatArray } from '../backend/backend';
import type { Param } from '../model/layers/layer';

/** Serialisable optimizer state for checkpoints: the step count and each slot per parameter. */
export interface OptimizerState {
  type: string;
  step: number;
  slots: Record<string, ArrayLike<number>[]>;
}

/**
 * Updates parameters in place from their gradients. One class per rule, each with its own
 * slots, so a rule's math reads in one place and its test compares three steps to numpy.
 */
export abstract class Optimizer {
  abstract readonly type: string;
  protected step = 0;
  protected readonly slots = new Map<string, FloatArray[]>();
  /** slotsFor's answers by parameter index, and slotArrays()'s: rebuilt when a slot is created or the state imported. */
  private byIndex: FloatArray[][] = [];
  private slotList: FloatArray[] | null = null;

  constructor(protected readonly backend: Backend, private readonly slotNames: readonly string[]) {}

  /** Applies one update with learning rate `lr` to every parameter. */
  update(params: Param[], lr: number): void {
    this.step++;
    for (let i = 0; i < params.length; i++) this.apply(params[i], i, lr);
  }

  protected abstract apply(param: Param, index: number, lr: number): void;

  /**
   * An upper bound on |Δw| for any single weight in the next update at learning rate `lr`, given
   * every gradient entry has |g| ≤ `gradBound`; Infinity when the rule's state gives none. The step
   * guard (train/undo.ts) uses it to skip copying the weights before a step that cannot trip it.
   */
  maxStep(_lr: number, _gradBound: number): number {
    return Infinity;
  }

  /** The slot arrays of parameter `index`, allocated (zeroed) on first use. */
  protected slotsFor(index: number, length: number): FloatArray[] {
    const known = this.byIndex[index];
    if (known !== undefined && known[0]?.length === length) return known;
    this.slotList = null;
    return (this.byIndex[index] = this.slotNames.map((name) => {
      const key = `${name}:${index}`;
      let s = this.slots.get(key);
      if (!s) {
        s = [this.backend.alloc(length)];
        this.slots.set(key, s);
      }
      return s[0];
    }));
  }

  /** Update count and slot arrays (in creation order), for undoing one update in place (train/undo.ts). */
  get steps(): number {
    return this.step;
  }

  set steps(n: number) {
    this.step = n;
  }

  /** The same array until a slot is created or a state imported; callers must not modify it. */
  slotArrays(): FloatArray[] {
    return (this.slotList ??= [...this.slots.values()].map(([arr]) => arr));
  }

  /** `typed`: copies as typed arrays (a memcpy each, for checkpoints) instead of number arrays. */
  exportState(typed = false): OptimizerState {
    const slots: Record<string, ArrayLike<number>[]> = {};
    for (const name of this.slotNames) slots[name] = [];
    for (const [key, [arr]] of this.slots) {
      const [name, index] = key.split(':');
      slots[name][Number(index)] = typed ? arr.slice() : Array.from(arr);
    }
    return { type: this.type, step: this.step, slots };
  }

  /**
   * Puts back a state taken with `exportState` into the slot arrays it has now, without
   * allocating (a WASM backend's arena never frees): used to undo a learning-rate range test.
   * Slots created since are zeroed, which is what a first use would have allocated (slots are
   * never removed, so every saved one still has its array).
   */
  restoreInPlace(state: OptimizerState): void {
    if (state.type !== this.type) throw new Error(`cannot restore a ${state.type} state into ${this.type}`);
    this.step = state.step;
    for (const [key, [arr]] of this.slots) {
      const [name, index] = key.split(':');
      const saved = state.slots[name]?.[Number(index)];
      if (saved) arr.set(saved);
      else arr.fill(0);
    }
  }

  importState(state: OptimizerState): void {
    if (state.type !== this.type) throw new Error(`checkpoint optimizer is ${state.type}, config says ${this.type}`);
    this.step = state.step;
    this.slots.clear();
    this.byIndex = [];
    this.slotList = null;
    for (const name of this.slotNames) {
      (state.slots[name] ?? []).forEach((values, index) => {
        if (!values) return;
        const arr = this.backend.alloc(values.length);
        arr.set(values);
        this.slots.set(`${name}:${index}`, [arr]);
      });
    }
  }
}
