#!/usr/bin/env node
// Task modules are TypeScript: register the loader before anything imports them.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
