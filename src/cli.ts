#!/usr/bin/env node
import { main } from "./cli-main.js";
import { buildProgram } from "./program.js";

// `flotilla …`: the program with the command argv names (or every command), then run it.
// The build bundles one file per command module beside this (scripts/post-build.mjs).
await main(await buildProgram(process.argv));
