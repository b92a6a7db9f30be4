// Passwords and tokens for a team's backends live in VS Code's SecretStorage (the OS keychain), never in settings
// files: "TraceLens: Set a Password or Token" stores one; the trace server gets them in its environment at start
// (TRACELENS_CLICKHOUSE_PASSWORD, TRACELENS_FORWARD_TOKEN, TRACELENS_REMOTE_TOKEN_<NAME>), never on its command line.
import type * as vscode from 'vscode';
import { remoteTokenVariable } from '../core/address';
import type { TraceLensConfig } from './config';

/** One secret the configuration uses: its environment variable for the server and its label for people. */
export interface SecretSlot {
  readonly variable: string;
  readonly label: string;
}

/** The secrets the current configuration can use. */
export function secretSlots(c: TraceLensConfig): SecretSlot[] {
  const slots: SecretSlot[] = [];
  if (c.clickhouse) slots.push({ variable: 'TRACELENS_CLICKHOUSE_PASSWORD', label: `ClickHouse password (${c.clickhouse})` });
  if (c.forward) slots.push({ variable: 'TRACELENS_FORWARD_TOKEN', label: `Forwarding token (${c.forward})` });
  for (const r of c.remotes) {
    const name = r.split('=')[0]!.trim();
    slots.push({ variable: remoteTokenVariable(name), label: `Token of the remote "${name}"` });
  }
  return slots;
}

const key = (variable: string): string => `tracelens.secret.${variable}`;

/** The environment for the trace server: each stored secret under its variable. */
export async function secretEnv(secrets: vscode.SecretStorage, c: TraceLensConfig): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const slot of secretSlots(c)) {
    const value = await secrets.get(key(slot.variable));
    if (value !== undefined && value !== '') env[slot.variable] = value;
  }
  return env;
}

/** Stores (or, with an empty value, deletes) one secret. */
export async function storeSecret(secrets: vscode.SecretStorage, variable: string, value: string): Promise<void> {
  if (value === '') await secrets.delete(key(variable));
  else await secrets.store(key(variable), value);
}

export function isSecretVariable(variable: string): boolean {
  return /^TRACELENS_(?:CLICKHOUSE_PASSWORD|FORWARD_TOKEN|REMOTE_TOKEN_[A-Z0-9_]+)$/.test(variable);
}
