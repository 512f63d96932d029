// Where each part's tsconfig maps the imports it may not make (`vscode` in the engine; Node
// modules in src/shared and the webview). This file is in no part's `include`, so any import
// that resolves here fails to compile with TS6307 ("not listed within the file list of project"),
// and the message names the import. See tsconfig.base.json and test/boundaries.test.ts.
export {};
