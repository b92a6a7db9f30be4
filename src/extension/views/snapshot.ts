// Renders a tree data provider to plain data, through the same getChildren/getTreeItem calls the workbench makes:
// what the in-host tests read (TraceLensApi.tracesView/spansView).
import type * as vscode from 'vscode';
import type { TreeSnapshot } from '../api';

function text(value: string | vscode.TreeItemLabel | vscode.MarkdownString | boolean | undefined): string | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  if (typeof value === 'string') return value;
  return 'label' in value ? value.label : value.value;
}

export async function snapshotTree<T>(provider: vscode.TreeDataProvider<T>, element?: T, depth = 10): Promise<TreeSnapshot[]> {
  if (depth <= 0) return [];
  const children = (await provider.getChildren(element)) ?? [];
  const out: TreeSnapshot[] = [];
  for (const child of children) {
    const item = await provider.getTreeItem(child);
    const icon = item.iconPath as { id?: unknown } | undefined;
    out.push({
      label: text(item.label) ?? '',
      description: text(item.description),
      tooltip: text(item.tooltip),
      icon: typeof icon?.id === 'string' ? icon.id : undefined,
      children: await snapshotTree(provider, child, depth - 1),
    });
  }
  return out;
}
