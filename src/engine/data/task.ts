import type { Task } from './dataset';

/** Two classes train with sigmoid + BCE; more need softmax. One class is degenerate but allowed. */
export function classificationTask(classCount: number): Task {
  return classCount <= 2 ? 'binary' : 'multiclass';
}
