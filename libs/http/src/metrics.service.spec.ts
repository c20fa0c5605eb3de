import { MetricsService } from './metrics.service';

describe('MetricsService', () => {
  it('folds buffered request durations into the histogram on scrape', async () => {
    const metrics = new MetricsService();
    metrics.observeHttp('GET', '/users/:id', 200, 0.003);
    metrics.observeHttp('GET', undefined, 404, 0.001);
    const { body } = await metrics.render();
    expect(body).toContain(
      'http_request_duration_seconds_count{method="GET",route="/users/:id",status_code="200"} 1',
    );
    expect(body).toContain(
      'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"} 1',
    );
  });

  it('never buffers more than 4096 observations between scrapes', async () => {
    const metrics = new MetricsService();
    for (let i = 0; i < 10_000; i++) metrics.observeHttp('GET', '/x', 200, 0.001);
    const pending = (metrics as unknown as { pendingChildren: unknown[] }).pendingChildren;
    expect(pending.length).toBeLessThan(4_096);
    const { body } = await metrics.render();
    expect(body).toContain(
      'http_request_duration_seconds_count{method="GET",route="/x",status_code="200"} 10000',
    );
  });
});
