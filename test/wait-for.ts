/**
 * Polls `probe` every `intervalMs` (default 25) until it returns a truthy value, and
 * resolves with that value. Tests wait for a condition this way, never for a fixed time.
 * @throws Error "timed out waiting for …" after `timeoutMs` (default 10 s: generous, so a
 *   loaded machine slows a test down instead of failing it).
 */
export async function waitFor<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${options.what ?? "a condition"}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}
