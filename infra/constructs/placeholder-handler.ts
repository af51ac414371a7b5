/**
 * Synth-time stand-in for a functions/<name>/handler.ts that does not exist yet. Only used when
 * bundling is skipped (infra tests), never deployed: a real synth requires the real handler.
 */
export const handler = async (): Promise<never> => {
  throw new Error('Mailroom placeholder handler: the real functions/<name>/handler.ts was missing at synth time');
};
