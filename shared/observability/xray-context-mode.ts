/**
 * Imported before the X-Ray SDK (tracer.ts's first import): outside Lambda, puts the SDK in manual
 * context mode, so it does not install its `cls-hooked` async hook.
 *
 * In its default (automatic) mode the X-Ray SDK creates a continuation-local-storage namespace as
 * soon as it is loaded, and with it an async hook (init, before, after and destroy) that runs for
 * every promise and socket of the process. Powertools' Tracer only ever traces in a Lambda
 * execution environment (`AWS_EXECUTION_ENV` set); anywhere else — local mode, tests, benchmarks —
 * tracing is off and the hook is pure overhead: in local mode, where the API, every handler, the
 * lane poller and the SQS and SES emulators share one process, about a tenth of its CPU.
 * In Lambda nothing changes (the SDK keeps its automatic mode, and tracing works as deployed);
 * an explicit AWS_XRAY_MANUAL_MODE is left as it is.
 */
if (!process.env.AWS_EXECUTION_ENV && process.env.AWS_XRAY_MANUAL_MODE === undefined) process.env.AWS_XRAY_MANUAL_MODE = 'true';
