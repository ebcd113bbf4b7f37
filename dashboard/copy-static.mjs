// `npm run build`, after tsc has compiled dashboard/*.ts: copies the dashboard's static
// files next to the compiled modules in dist/dashboard/.
import { copyFileSync, mkdirSync } from 'node:fs';

const out = new URL('../dist/dashboard/', import.meta.url);
mkdirSync(out, { recursive: true });
for (const name of ['index.html', 'style.css']) copyFileSync(new URL(name, import.meta.url), new URL(name, out));
