export {
  keyFileProvider,
  environmentKeyProvider,
  createKeyFile,
  readKeyFile,
} from './keys/key-file.ts'
export type { KeyFileContent } from './keys/key-file.ts'
export { verifyKeyRing, keyCheckValue } from './keys/key-check.ts'
export { KEY_BYTES } from './keys/key-ring.ts'
export type { KeyRing, KeyProvider } from './keys/key-ring.ts'
