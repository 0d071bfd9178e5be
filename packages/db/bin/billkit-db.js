#!/usr/bin/env node
// Committed (not built) so that npm links the `billkit-db` bin at install time; the CLI itself is built.
import '../dist/cli.js';
