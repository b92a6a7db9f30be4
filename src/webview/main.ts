// The web UI (standalone page and, later, VS Code webview panels). For now: a live list of recent traces.
export {};
