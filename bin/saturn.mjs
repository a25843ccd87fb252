#!/usr/bin/env node
// saturn's command line. Sources are TypeScript, run through tsx so there is no build step.
import { register } from 'tsx/esm/api';

register();
await import('../scripts/saturn.ts');
