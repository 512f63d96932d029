import type { Backend } from '../backend/backend';
import type { OptimizerConfig } from '../../shared/config';
import { Adam } from './adam';
import { GradientDescent } from './gd';
import { Momentum } from './momentum';
import type { Optimizer } from './optimizer';
import { RmsProp } from './rmsprop';

export type { Optimizer, OptimizerState } from './optimizer';

export function createOptimizer(backend: Backend, config: OptimizerConfig): Optimizer {
  switch (config.type) {
    case 'gd': return new GradientDescent(backend);
    case 'momentum': return new Momentum(backend, config.beta);
    case 'rmsprop': return new RmsProp(backend, config.beta2, config.epsilon);
    case 'adam': return new Adam(backend, config.beta1, config.beta2, config.epsilon);
  }
}
