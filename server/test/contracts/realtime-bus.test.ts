import { LocalRealtimeBus } from '../../src/realtime/local-realtime-bus.js';
import { realtimeBusContract } from './realtime-bus.contract.js';

realtimeBusContract('local', async () => new LocalRealtimeBus());
