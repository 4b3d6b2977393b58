import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

/**
 * The one zod Flotilla's schemas are written in: `zod/mini`, with zod's English messages.
 * Classic zod (`import * as z from "zod"`) gives every schema instance its builder methods
 * and cost the CLI ~40 ms of CPU at each start; mini builds the same core schemas from plain
 * functions (`z.optional(s)`, `s.check(z.minLength(1))`), so its validation and its error
 * messages are classic zod's. Unlike classic, mini loads no locale by itself: importing
 * zod through this module installs the English one before any schema parses, so the
 * messages users see (through `firstZodIssue`) read as they always have.
 */
config(en());

export * from "zod/mini";
