// The state a page's views render from: the answer to its latest request (or why it failed), and listeners told of
// every change. An answer to an older request that arrives late is dropped, and none is taken after the page went.
export class PageModel<T> {
  result: T | undefined;
  error: string | undefined;
  disposed = false;
  private asked = 0;
  private readonly listeners: (() => void)[] = [];

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  emit(): void {
    for (const l of this.listeners) l();
  }

  /** Asks; keeps the answer (or the error) of the latest request only, then tells the listeners. */
  protected async fetch(ask: () => Promise<T>): Promise<void> {
    const mine = ++this.asked;
    try {
      const result = await ask();
      if (this.disposed || mine !== this.asked) return;
      this.result = result;
      this.error = undefined;
    } catch (e) {
      if (this.disposed || mine !== this.asked) return;
      this.error = e instanceof Error ? e.message : String(e);
    }
    this.emit();
  }
}
