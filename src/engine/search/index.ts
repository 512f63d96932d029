/** Hyperparameter search (docs/search.md): sampling, the runner, export, the CLI command. */
export {
  SearchRunner, startSearch, resumeSearch, resolveParallel, MEDIAN_MIN_COMPLETED,
  type SearchRunnerOptions, type StartSearchOptions, type ResumeSearchOptions, type SearchResult,
} from './runner';
export { exportBest, trialExperiment, type ExportedConfig } from './export';
export {
  decide, bestTrial, boxRanking, nextRoundBox, medianStop, rungRanking, rungsPassed, bracketFor, valueAt,
  type Decision, type PolicyEvent, type SearchTraces, type TrialTrace,
} from './policy';
export {
  dimensionsOf, dimensionOf, toSamplingSpace, fromSamplingSpace, fullBox, sampleCoord, samplePoint, sampleTrial,
  boxOf, insideBox, trialRng, searchSeed, pow10, formatValue, type SampledPoint,
} from './sampling';
export { ForkLauncher, findEngineScript, type TrialLauncher, type TrialHandle, type TrialStart, type TrialExit } from './launcher';
export { readSearchFile, writeSearchFile, searchFilePath, SearchStore, SEARCH_FILE } from './search-store';
export { runSearchCommand, type SearchCliFlags } from './cli';
