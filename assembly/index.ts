// Entry of dist/kernels.wasm: every export is a kernel taking byte pointers into the imported shared
// memory. No allocation, no runtime, no data segments: each worker instantiates this module over the
// same memory, and instantiation must not write to it.
export { workFloats, microRows } from './layout';
export { gemmPacked, gemmSmall, gemmSmallNTNarrowK, kBlock, packedFloats, packARows, packBCols, gemmColumns, gemmRows } from './gemm';
export {
  addRowVector, sumRows, activationForward, activationBackward, mul, axpy, axpySign, sumSquares, sumSquaresEach, sumAbs, dropoutMask, gatherRows,
  gatherCoded,
} from './elementwise';
export { batchNormTrainForward, batchNormBackward, batchNormInferForward } from './batchnorm';
export { momentumUpdate, rmspropUpdate, adamUpdate } from './optim';
export { denseForwardSmall } from './dense';
export { sigmoidBceLoss, sigmoidBceTerms, expMsun, log1pMsun } from './loss';
