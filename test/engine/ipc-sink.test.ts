import * as assert from 'node:assert/strict';
import { ThrottledIpcSink } from '../../src/engine/process/ipc-sink';
import type { EngineEvent, LayerStat } from '../../src/shared/protocol';

const layers = (iteration: number): EngineEvent => ({ type: 'layerStats', iteration, layers: [] as LayerStat[] });

describe('engine → host IPC throttling', () => {
  it('holds back frequent kinds, sends the newest, and flushes before a state change', () => {
    let now = 0;
    const sent: EngineEvent[] = [];
    const sink = new ThrottledIpcSink((e) => sent.push(e), () => now);
    sink.emit(layers(10));
    sink.emit(layers(20));
    sink.emit(layers(30));
    sink.emit({ type: 'metrics', firstIteration: 1, costs: [1], learningRate: 0.1, epoch: 0 });
    assert.deepEqual(sent.map((e) => e.type), ['layerStats', 'metrics'], 'metrics are never held');
    now = 100;
    sink.emit({ type: 'state', state: 'paused', iteration: 30, epoch: 0 });
    assert.deepEqual(sent.map((e) => (e.type === 'layerStats' ? e.iteration : e.type)), [10, 'metrics', 30, 'state']);
    sink.flush();
  });
});
