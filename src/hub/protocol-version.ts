/**
 * Version of the hub's wire protocol (wire.ts); bump on any incompatible change to the
 * messages. In its own module so the thin client (src/client/) can say hello without zod.
 * 2: a failed `result` carries `{ code, message }` instead of a string.
 * 3: `welcome` names the hub's project root and id; sizes are bounded (MAX_COLS, MAX_ROWS).
 * 4: the cockpit runs in the hub: binary frames, `hello.terminal`, `size`, `bye`; no
 *    `snapshot` command or event (a client keeps no mirror of the panes).
 */
export const PROTOCOL_VERSION = 4;
