/** Ids come from @billkit/db's `newId`: `<prefix>_<ULID>`, sortable by creation time. */
export { newId } from '@billkit/db';
