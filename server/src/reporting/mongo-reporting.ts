import type { Collection } from 'mongodb';
import type { MessageDocument } from '../message-store/mongo-message-document.js';
import { activityPipeline, foldActivity, type ChatActivityGroup } from './mongo-activity.js';
import type { Reporting, TimeWindow, WindowActivity } from './port.js';

/** Reports over the `messages` collection of MongoDB (the Mongo message store's). */
export class MongoReporting implements Reporting {
  constructor(
    private readonly messages: Pick<Collection<MessageDocument>, 'aggregate'>,
    /** Closes what opened the collection. */
    private readonly release: () => Promise<void>,
  ) {}

  async activity(window: TimeWindow): Promise<WindowActivity> {
    // A day of a busy deployment can outgrow $group's 100 MB in memory: let it spill to disk.
    // Unbounded (timeoutMS 0): one day of a large deployment outlasts the per-operation bound; the
    // job's runner bounds the run (Airflow's execution_timeout).
    const groups = await this.messages
      .aggregate<ChatActivityGroup>(activityPipeline(window), { allowDiskUse: true, timeoutMS: 0 })
      .toArray();
    return foldActivity(groups);
  }

  close(): Promise<void> {
    return this.release();
  }
}
