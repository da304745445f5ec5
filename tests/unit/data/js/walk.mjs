// Walks every operation in scope with the AWS SDK for JavaScript v3 against an endpoint
// (argv[2]) in a region (argv[3]), reading every answer, errors by their modeled class,
// and prints what it read as one JSON object.
import * as P from "@aws-sdk/client-personalize";
import * as E from "@aws-sdk/client-personalize-events";

const [endpoint, region] = process.argv.slice(2);
const config = { endpoint, region, maxAttempts: 1,
                 credentials: { accessKeyId: "testing", secretAccessKey: "testing" } };
const personalize = new P.PersonalizeClient(config);
const events = new E.PersonalizeEventsClient(config);
const out = {};

// An error answer as the SDK gives it: its name, whether it is the modeled class of that
// name exported by the client's package, and the HTTP status.
async function failure(client, command, module) {
  try {
    await client.send(command);
    return { error: null };
  } catch (err) {
    const modeled = typeof module[err.name] === "function" && err instanceof module[err.name]
      && err instanceof module[module === P ? "PersonalizeServiceException"
                                             : "PersonalizeEventsServiceException"];
    return { error: err.name, modeled, status: err.$metadata?.httpStatusCode,
             message: err.message };
  }
}

const stamp = (d) => (d instanceof Date ? d.getTime() / 1000 : `not a Date: ${d}`);

const group = await personalize.send(new P.CreateDatasetGroupCommand({ name: "jsgroup" }));
out.CreateDatasetGroup = { datasetGroupArn: group.datasetGroupArn };
const { datasetGroup } = await personalize.send(
  new P.DescribeDatasetGroupCommand({ datasetGroupArn: group.datasetGroupArn }));
out.DescribeDatasetGroup = { name: datasetGroup.name, status: datasetGroup.status,
                             creationDateTime: stamp(datasetGroup.creationDateTime) };
const tracker = await personalize.send(new P.CreateEventTrackerCommand(
  { name: "jstracker", datasetGroupArn: group.datasetGroupArn }));
out.CreateEventTracker = { eventTrackerArn: tracker.eventTrackerArn,
                           trackingId: tracker.trackingId };
const { eventTracker } = await personalize.send(
  new P.DescribeEventTrackerCommand({ eventTrackerArn: tracker.eventTrackerArn }));
out.DescribeEventTracker = { ...eventTracker,
                             creationDateTime: stamp(eventTracker.creationDateTime),
                             lastUpdatedDateTime: stamp(eventTracker.lastUpdatedDateTime) };
const listed = await personalize.send(
  new P.ListEventTrackersCommand({ datasetGroupArn: group.datasetGroupArn, maxResults: 5 }));
out.ListEventTrackers = listed.eventTrackers.map((t) => t.eventTrackerArn);
const put = await events.send(new E.PutEventsCommand({
  trackingId: tracker.trackingId, userId: "user555", sessionId: "session1",
  eventList: [{ eventId: "js1", eventType: "click", sentAt: new Date(1553631760000),
                itemId: "choc-panama", properties: JSON.stringify({ numRatings: 13 }) }] }));
out.PutEvents = { status: put.$metadata.httpStatusCode };

const click = { eventType: "click", sentAt: new Date() };
out.errors = {
  DescribeEventTracker: await failure(personalize, new P.DescribeEventTrackerCommand(
    { eventTrackerArn: tracker.eventTrackerArn + "-none" }), P),
  CreateDatasetGroup: await failure(personalize, new P.CreateDatasetGroupCommand(
    { name: "jsgroup" }), P),
  CreateEventTracker: await failure(personalize, new P.CreateEventTrackerCommand(
    { name: "jstracker2", datasetGroupArn: group.datasetGroupArn }), P),
  ListEventTrackers: await failure(personalize, new P.ListEventTrackersCommand(
    { nextToken: "never-issued" }), P),
  PutEvents: await failure(events, new E.PutEventsCommand(
    { trackingId: tracker.trackingId, sessionId: "s", eventList: Array(11).fill(click) }), E),
};
await personalize.send(new P.DeleteEventTrackerCommand({ eventTrackerArn: tracker.eventTrackerArn }));
out.DeleteEventTracker = await failure(personalize, new P.DescribeEventTrackerCommand(
  { eventTrackerArn: tracker.eventTrackerArn }), P);
await personalize.send(new P.DeleteDatasetGroupCommand({ datasetGroupArn: group.datasetGroupArn }));
out.DeleteDatasetGroup = await failure(personalize, new P.DescribeDatasetGroupCommand(
  { datasetGroupArn: group.datasetGroupArn }), P);
console.log(JSON.stringify(out));
