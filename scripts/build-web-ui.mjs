#!/usr/bin/env node
// `npm run serve` runs this first: builds the web UI (dist-web/) when it is missing or older than
// its sources, so a fresh clone serves the UI at `/` (as `npm start` does).
import { buildWhenStale, WEB_UI } from './build-outputs.mjs';

process.exit(buildWhenStale(WEB_UI));
