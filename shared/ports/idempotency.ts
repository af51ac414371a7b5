/** Runs work once per key: a repeat with the same key and payload gets the first result back. */
export interface IdempotencyGuard {
  /**
   * @param key   already scoped by the caller (tenant + operation + client key)
   * @param payload the canonical request; a repeat with another payload is refused
   * Throws ConflictError `invalid_idempotent_request` (payload differs) or
   * `concurrent_idempotent_requests` (first request still in flight). If `work` throws,
   * the key is released so the client may retry.
   */
  run<T>(key: string, payload: unknown, work: () => Promise<T>): Promise<T>;
  /** Lets an in-progress record expire with the Lambda's remaining time. */
  registerLambdaContext?(context: { getRemainingTimeInMillis(): number }): void;
}
