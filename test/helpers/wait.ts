// Polls a condition until it holds, or fails after the deadline (tests wait on state, never a fixed sleep).
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000, describeState?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms${describeState ? `: ${describeState()}` : ''}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
