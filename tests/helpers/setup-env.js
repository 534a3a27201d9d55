// Integration tests run the emulator with Vast's thresholds scaled by 0.01; the provider's
// client-side pacing is scaled the same way unless a test says otherwise.
process.env.VAST_PACING_SCALE ??= "0.01";
// Tests edit keys out of band between provider calls in one process; a real engine operation
// would not, so the cross-call list cache is disabled here (single-flight sharing remains).
process.env.VAST_LIST_CACHE_MS ??= "0";
