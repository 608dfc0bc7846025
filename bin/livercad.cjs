#!/usr/bin/env node
"use strict";
// The CLI is bundled by scripts/build.mjs, which `npm install` runs through the `prepare` script.
require("../dist/cli.cjs");
