#!/usr/bin/env node
// The bin exists before the package is built, so installing the workspace creates the link without a
// warning; the worker itself is the built dist/worker-cli.js.
import '../dist/worker-cli.js';
