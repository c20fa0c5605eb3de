import { MetricsService } from './metrics.service';

describe('MetricsService', () => {
  it('records request durations by method, route template and status', async () => {
    const metrics = new MetricsService();
    metrics.observeHttp('GET', '/users/:id', 200, 0.003);
    metrics.observeHttp('GET', '/users/:id', 200, 0.004);
    metrics.observeHttp('GET', undefined, 404, 0.001);
    const { body } = await metrics.render();
    expect(body).toContain(
      'http_request_duration_seconds_count{method="GET",route="/users/:id",status_code="200"} 2',
    );
    expect(body).toContain(
      'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/users/:id",status_code="200"} 2',
    );
    expect(body).toContain(
      'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"} 1',
    );
  });

  it('keeps one series per (method, route, status), however many requests', async () => {
    const metrics = new MetricsService();
    for (let i = 0; i < 10_000; i++) metrics.observeHttp('GET', '/x', 200, 0.001);
    const { body } = await metrics.render();
    expect(body.match(/^http_request_duration_seconds_count\{/gm)).toHaveLength(1);
    expect(body).toContain(
      'http_request_duration_seconds_count{method="GET",route="/x",status_code="200"} 10000',
    );
  });

  it('keeps methods and statuses of one route in separate series', async () => {
    const metrics = new MetricsService();
    metrics.observeHttp('GET', '/orders', 200, 0.001);
    metrics.observeHttp('POST', '/orders', 201, 0.001);
    metrics.observeHttp('POST', '/orders', 201, 0.001);
    metrics.observeHttp('POST', '/orders', 400, 0.001);
    const { body } = await metrics.render();
    const counts = body.match(/^http_request_duration_seconds_count\{.*$/gm);
    expect(counts?.sort()).toEqual([
      'http_request_duration_seconds_count{method="GET",route="/orders",status_code="200"} 1',
      'http_request_duration_seconds_count{method="POST",route="/orders",status_code="201"} 2',
      'http_request_duration_seconds_count{method="POST",route="/orders",status_code="400"} 1',
    ]);
  });
});
