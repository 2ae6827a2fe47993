/**
 * An AWS SDK client whose package is imported on first use rather than at cold start. Most
 * functions never queue a message, send mail, call Cognito or read Secrets Manager (secrets
 * come from the environment locally), yet a static import makes every function that shares the
 * module load those packages, tens of milliseconds each (docs/benchmarks.md §5). DynamoDB,
 * which every function uses, stays a static import in `db/client.ts`.
 */
export interface LazySdk<Sdk, Client> {
  /** The SDK package and this container's client, loaded and made on the first call. */
  (): Promise<{ sdk: Sdk; client: Client }>;
  /** Forgets the client (tests and the local stack point the SDK at new endpoints). */
  reset(): void;
}

export const lazySdk = <Sdk, Client extends { destroy(): void }>(load: () => Promise<Sdk>, create: (sdk: Sdk) => Client): LazySdk<Sdk, Client> => {
  let made: Promise<{ sdk: Sdk; client: Client }> | undefined;
  const get = () =>
    (made ??= load().then(
      (sdk) => ({ sdk, client: create(sdk) }),
      (err: unknown) => {
        made = undefined;
        throw err;
      },
    ));
  return Object.assign(get, {
    reset: () => {
      const was = made;
      made = undefined;
      void was?.then(({ client }) => client.destroy(), () => undefined);
    },
  });
};
