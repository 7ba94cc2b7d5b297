/**
 * The single table's shape, read by both the local emulator set-up and the CDK stack, so the two
 * can never disagree. Keys are overloaded strings; each entity module owns its key builders.
 *
 * - byCollection (gsi1): every task / unit / person…, a unit's open tasks, a job run's notices
 * - byDue (gsi2, sparse): open tasks and milestones by due date
 * - byOpen (gsi3, sparse): open escalations and interview records
 */
export const tableKeys = { partition: 'pk', sort: 'sk' } as const;

export const tableIndexes = [
  { name: 'byCollection', partition: 'gsi1pk', sort: 'gsi1sk' },
  { name: 'byDue', partition: 'gsi2pk', sort: 'gsi2sk' },
  { name: 'byOpen', partition: 'gsi3pk', sort: 'gsi3sk' },
] as const;

export type IndexName = (typeof tableIndexes)[number]['name'];

/** The CreateTable input for an emulator (on AWS the CDK stack builds the same table). */
export function createTableInput(tableName: string) {
  const attributes = [tableKeys.partition, tableKeys.sort, ...tableIndexes.flatMap((i) => [i.partition, i.sort])];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: attributes.map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
    KeySchema: [
      { AttributeName: tableKeys.partition, KeyType: 'HASH' as const },
      { AttributeName: tableKeys.sort, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: tableIndexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partition, KeyType: 'HASH' as const },
        { AttributeName: index.sort, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}
