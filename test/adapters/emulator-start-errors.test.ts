import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { describeEarlyExit, OutputTail, startDynamoDbLocal, startEmulators } from '#infra/local/emulators';

describe('an emulator that cannot start says why', () => {
  let blocker: Server | undefined;
  const path = process.env.PATH;
  afterEach(async () => {
    process.env.PATH = path;
    await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
    blocker = undefined;
  });

  it('keeps the last lines of a child process output, across chunk boundaries', () => {
    const tail = new OutputTail(2);
    tail.push('first line\nsecond ');
    tail.push('line\nthird line\nunfinished');
    expect(tail.text()).toBe('second line\nthird line\nunfinished');
  });

  it('reports an early exit with the process output and the advice, never a bare exit code', () => {
    const message = describeEarlyExit('DynamoDB Local', 0, null, 'Invalid directory for database creation.', 'Check MAILROOM_DATA_DIR.');
    expect(message).toContain('exited with code 0 before it answered');
    expect(message).toContain('| Invalid directory for database creation.');
    expect(message).toContain('Check MAILROOM_DATA_DIR.');
  });

  it('names the variable to change when a port is taken', async () => {
    blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker!.listen(0, '127.0.0.1', () => resolve((blocker!.address() as { port: number }).port)));
    await expect(startDynamoDbLocal(port)).rejects.toThrow(/127\.0\.0\.1:\d+: the port is already in use.*MAILROOM_DYNAMODB_PORT/);
    await expect(startEmulators({ ports: { sqs: port } })).rejects.toThrow(/SQS\/S3 emulator.*already in use.*MAILROOM_SQS_PORT/);
  });

  it('says Java is missing when the java command cannot be found', async () => {
    process.env.PATH = '/nonexistent';
    await expect(startDynamoDbLocal(0)).rejects.toThrow(/the `java` command was not found[\s\S]*Java 17 or newer/);
  });
});
