import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';

const PNG_PREFIX = 'data:image/png;base64,';

/**
 * Saves a chart a webview drew (its `savePng` message) where the user picks, `defaultPath`
 * offered. Checked to be a PNG first: the bytes come from a page. Returns the path written;
 * undefined when cancelled or not a PNG.
 */
export async function saveChartPng(chart: string, dataUrl: string, defaultPath: string, log: vscode.LogOutputChannel): Promise<string | undefined> {
  const bytes = Buffer.from(dataUrl.slice(PNG_PREFIX.length), 'base64');
  // A PNG starts with its 8-byte signature; anything else is not what the webview claimed.
  if (!dataUrl.startsWith(PNG_PREFIX) || bytes.length < 8 || bytes.readUInt32BE(0) !== 0x89504e47) {
    log.warn(`savePng: ${chart} is not a PNG; not written`);
    return undefined;
  }
  const uri = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(defaultPath), filters: { 'PNG image': ['png'] }, saveLabel: 'Save Chart' });
  if (!uri) return undefined;
  await writeFile(uri, bytes);
  log.info(`saved chart ${chart} to ${uri.fsPath}`);
  return uri.fsPath;
}

/** Local files directly (the extension runs next to the workspace); other schemes through VS Code. */
export async function writeFile(uri: vscode.Uri, bytes: Uint8Array): Promise<void> {
  if (uri.scheme === 'file') await fs.writeFile(uri.fsPath, bytes);
  else await vscode.workspace.fs.writeFile(uri, bytes);
}
