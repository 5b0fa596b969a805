import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { mongoClientOptions, mongoDatabaseName, redactMongoUrl } from '../../src/message-store/mongo-url.js';

describe('MONGO_URL', () => {
  it('names the database from the path, or parley when there is none', () => {
    expect(mongoDatabaseName('mongodb://mongo:27017/chat')).toBe('chat');
    expect(mongoDatabaseName('mongodb://mongo:27017/chat?authSource=admin')).toBe('chat');
    expect(mongoDatabaseName('mongodb://mongo:27017')).toBe('parley');
    expect(mongoDatabaseName('mongodb://mongo:27017/')).toBe('parley');
    expect(mongoDatabaseName('mongodb://mongo:27017/?replicaSet=rs0')).toBe('parley');
    expect(mongoDatabaseName('mongodb://a:27017,b:27017,c:27017/chat?replicaSet=rs0')).toBe('chat');
    expect(mongoDatabaseName('mongodb+srv://u:p%2Fw%40d@cluster0.example.net/prod?retryWrites=true')).toBe('prod');
    expect(mongoDatabaseName('mongodb://mongo/my%20chat')).toBe('my chat');
  });

  it('hides the password, and only the password', () => {
    expect(redactMongoUrl('mongodb://parley:s3cret@mongo:27017/chat')).toBe('mongodb://parley:***@mongo:27017/chat');
    expect(redactMongoUrl('mongodb+srv://u:p%40ss@cluster0.example.net/prod')).toBe('mongodb+srv://u:***@cluster0.example.net/prod');
    expect(redactMongoUrl('mongodb://a:1,b:2/chat')).toBe('mongodb://a:1,b:2/chat');
    expect(redactMongoUrl('mongodb://user@mongo/chat')).toBe('mongodb://user@mongo/chat');
  });

  it('bounds server selection and connecting at 5 s unless the URL sets them', () => {
    expect(mongoClientOptions('mongodb://mongo:27017/chat')).toEqual({ serverSelectionTimeoutMS: 5000, connectTimeoutMS: 5000, timeoutMS: 10_000 });
    expect(mongoClientOptions('mongodb://mongo:27017/chat?serverselectiontimeoutms=20000&w=majority')).toEqual({ connectTimeoutMS: 5000, timeoutMS: 10_000 });
  });

  it('is what the driver ends up using (the options object would otherwise beat the URL)', () => {
    const options = (url: string) => {
      const client = new MongoClient(url, mongoClientOptions(url)); // parses only; connects on first use
      return { serverSelection: client.options.serverSelectionTimeoutMS, connect: client.options.connectTimeoutMS };
    };
    expect(options('mongodb://127.0.0.1:27017/chat')).toEqual({ serverSelection: 5000, connect: 5000 });
    expect(options('mongodb://127.0.0.1:27017/chat?serverSelectionTimeoutMS=20000')).toEqual({ serverSelection: 20000, connect: 5000 });
    expect(options('mongodb://a:27017,b:27017/chat?replicaSet=rs0&connectTimeoutMS=1000')).toEqual({ serverSelection: 5000, connect: 1000 });
  });
});
