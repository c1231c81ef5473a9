/**
 * The registry client: Ollama's model names, registry HTTP (User-Agent, auth hook, error shapes), pull and push.
 * @module
 */
export {
  DEFAULT_HOST,
  DEFAULT_NAMESPACE,
  DEFAULT_TAG,
  displayName,
  formatModelName,
  InsecureProtocolError,
  InvalidModelNameError,
  isValidModelName,
  isValidNamePart,
  type ModelName,
  parseModelName,
  registryBaseUrl,
  repositoryOf,
  sameModelName,
  tryParseModelName,
} from "./name.ts";
export {
  type AuthHook,
  backoffDelay,
  type ConnectionFailureKind,
  describeFetchError,
  MANIFEST_MEDIA_TYPE,
  RegistryConnectionError,
  RegistryError,
  registryFetch,
  type RegistryFetchOptions,
  RegistryNotFoundError,
  type RegistrySession,
  RequestTimeoutError,
  retryOnTimeout,
  sleep,
  UnauthorizedError,
  USER_AGENT,
} from "./http.ts";
export { pullModel, type PullOptions, type PullProgress } from "./pull.ts";
// push, auth and the identity key (registry push helper's lines; keep together)
export { pushModel, PushManifestError, type PushOptions, type PushProgress } from "./push.ts";
export { uploadBlob, type UploadBlobOptions, type UploadResult } from "./upload.ts";
export { type AuthOptions, type Challenge, createAuthHook, type Credentials, dockerCredentials, parseChallenge } from "./auth.ts";
export { defaultKeyPath, KeyFormatError, KeyPair, loadOrCreateKeyPair } from "./keypair.ts";
