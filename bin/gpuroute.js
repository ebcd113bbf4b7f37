#!/usr/bin/env node
// The CLI is compiled to dist/ by `npm install` (prepare) and by `npm start`.
import '../dist/cli.js';
