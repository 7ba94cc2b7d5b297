/**
 * Builds the real dependencies from configuration, once per process (cold start). The only
 * difference between AWS and a laptop is the endpoint each SDK client is given.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { z } from 'zod';
import { defaultCalendar } from './core/calendar-data.ts';
import type { WorkdayCalendar } from './core/calendar.ts';
import type { Store } from './core/ports.ts';
import { DynamoStore } from './store/dynamo-store.ts';

const configSchema = z.object({
  DUBAN_TABLE: z.string().min(1).default('duban'),
  AWS_REGION: z.string().min(1).default('cn-north-1'),
  /** Set locally (dynalite / the SES emulator); unset on AWS. */
  DUBAN_DYNAMODB_ENDPOINT: z.string().url().optional(),
  DUBAN_SES_ENDPOINT: z.string().url().optional(),
});
export type Config = z.infer<typeof configSchema>;

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`Invalid configuration ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export function dynamoClient(config: Config): DynamoDBClient {
  return new DynamoDBClient({
    region: config.AWS_REGION,
    ...(config.DUBAN_DYNAMODB_ENDPOINT ? { endpoint: config.DUBAN_DYNAMODB_ENDPOINT, credentials: localCredentials } : {}),
  });
}

export function sesClient(config: Config): SESClient {
  return new SESClient({
    region: config.AWS_REGION,
    ...(config.DUBAN_SES_ENDPOINT ? { endpoint: config.DUBAN_SES_ENDPOINT, credentials: localCredentials } : {}),
  });
}

export interface Deps {
  config: Config;
  dynamo: DynamoDBClient;
  store: Store;
}

export function buildDeps(config: Config = readConfig()): Deps {
  const dynamo = dynamoClient(config);
  return { config, dynamo, store: new DynamoStore(dynamo, config.DUBAN_TABLE) };
}

/** The built-in calendar plus the years the office loaded into the store. */
export async function loadCalendar(store: Store): Promise<WorkdayCalendar> {
  return defaultCalendar(await store.calendarYears());
}
