# The MPR transcode Lambda: Python, ffmpeg, the mpr package and the Lambda runtime interface
# client, running as a non-root user. Build context: the repository root
#   docker build -f deploy/aws/lambda.Dockerfile .
FROM python:3.11-slim-bookworm

# ffmpeg (Debian's 5.1), and util-linux's setpriv (essential in Debian) that ties ffmpeg's
# life to the handler's: an encode never outlives its invocation.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg=7:5.1.* \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /var/task
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir . awslambdaric==4.2.2 \
    && useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin mpr

# /tmp is the only writable place in a Lambda: outputs are staged there.
ENV MPR_DATA_DIR=/tmp/mpr \
    MPR_STORAGE=s3 \
    PYTHONDONTWRITEBYTECODE=1
USER 10001

ENTRYPOINT ["/usr/local/bin/python", "-m", "awslambdaric"]
CMD ["mpr.entrypoints.lambda_handler.handler"]
