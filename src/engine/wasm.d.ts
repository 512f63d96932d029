/**
 * The part of the WebAssembly JS API the engine uses (Node has it built in; @types/node 20 does
 * not declare it, and the DOM lib that does would let `document` and `window` type-check here).
 * Shapes as in the WebAssembly JS API spec.
 */
declare namespace WebAssembly {
  type ImportValue = Memory | ((...args: never[]) => unknown) | number;
  type Imports = Record<string, Record<string, ImportValue>>;
  type Exports = Record<string, unknown>;

  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }

  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }

  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Exports;
  }

  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(delta: number): number;
  }

  function validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
}
