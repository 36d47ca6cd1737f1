/**
 * The Bolt test peer in its own process (as a Neo4j server would be), for the "mirror on" row of
 * the queue benchmark: prints its URI, then serves until killed.
 */
import { BoltTestPeer } from '../../src/main/core/testing/bolt-test-peer';

const peer = await BoltTestPeer.start();
console.log(peer.uri);
