/**
 * The AWS credentials of a function on Lambda: Lambda puts the function role's in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and renews them with the
 * execution environment. The SDK's default chain also knows SSO, profiles, credential processes,
 * web identity and instance metadata, none of which applies there, and brings about 95 KB of
 * clients to the bundle. A function's bundle may take this module for
 * `@aws-sdk/credential-provider-node` (infra/duban-function.ts, `credentialsFromEnvironment`);
 * locally and in tests the SDK's own chain stays.
 */
interface EnvCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** The SDK calls this with its client's configuration and calls what it returns for each request's credentials. */
export const defaultProvider =
  (_init: object = {}) =>
  async (): Promise<EnvCredentials> => {
    const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) {
      throw new Error('No AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (on Lambda the runtime sets them from the function role)');
    }
    const sessionToken = process.env.AWS_SESSION_TOKEN;
    const expiry = process.env.AWS_CREDENTIAL_EXPIRATION;
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}), ...(expiry ? { expiration: new Date(expiry) } : {}) };
  };
