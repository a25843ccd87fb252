/**
 * The wire protocol's version. Every envelope carries it in `v`; a receiver accepts exactly the
 * versions it speaks and dead-letters the rest, so changing the meaning or encoding of a field
 * means bumping this number (adding an optional field that old receivers may ignore does not).
 */
export const PROTOCOL_VERSION = 1;
