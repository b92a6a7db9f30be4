// The workspace text index.
import type { PathMapping } from './types';

export class SourceIndex {
  private readonly files = new Map<string, string>();
  constructor(readonly roots: readonly string[]) {}
  setFile(path: string, text: string): void {
    this.files.set(path, text);
  }
  removeFile(path: string): void {
    this.files.delete(path);
  }
  hasFile(path: string): boolean {
    return this.files.has(path);
  }
  get fileCount(): number {
    return this.files.size;
  }
  resolvePath(foreign: string, mappings?: readonly PathMapping[]): { path: string; how: 'exact' | 'mapping' | 'suffix' } | undefined {
    void mappings;
    return this.files.has(foreign) ? { path: foreign, how: 'exact' } : undefined;
  }
  enclosingFunction(path: string, line: number): { name?: string; startLine: number; endLine: number } | undefined {
    void path;
    void line;
    return undefined;
  }
}
