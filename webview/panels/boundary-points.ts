/** Which points the decision-boundary map draws, and the caption that says so. Pure. */
import type { Snapshot } from '../../src/shared/protocol';

type Boundary = NonNullable<Snapshot['boundary']>;
export type BoundarySet = 'train' | 'dev';

/** The points of one set; an engine that sent no dev points has only training ones. */
export function boundaryPoints(b: Boundary, set: BoundarySet): Boundary['points'] {
  return set === 'dev' ? b.devPoints ?? [] : b.points;
}

/** Whether the snapshot can draw the set at all (no dev split: no dev points). */
export function hasSet(b: Boundary, set: BoundarySet): boolean {
  return boundaryPoints(b, set).length > 0;
}

/** "epoch 12 · 40×40 grid · 400 of 600 training points" / "… · all 200 dev points". */
export function boundaryCaption(b: Boundary, set: BoundarySet, epoch: number | undefined): string {
  const drawn = boundaryPoints(b, set).length;
  const total = b.counts ? (set === 'dev' ? b.counts.dev : b.counts.train) : drawn;
  const noun = set === 'dev' ? 'dev' : 'training';
  const points = drawn === 0 ? `no ${noun} points` : drawn < total ? `${drawn} of ${total} ${noun} points` : `all ${drawn} ${noun} points`;
  return `epoch ${epoch ?? '?'} · ${b.resolution}×${b.resolution} grid · ${points}`;
}
