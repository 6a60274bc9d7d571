# A registry that lies, for Pester: serves files from a folder (routes/<path with / as %2F>) as the
# distribution API would, whatever their bytes; a route with a .stall file beside it sends its body,
# promises as much again, and then sends nothing (and adds a byte to the file 'stalled' in the folder, so a
# test can wait until a command is stuck there). Prints its port, then serves until killed.
import http.server, os, socketserver, sys, time, urllib.parse

root = sys.argv[1]

class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == '/v2/':
            self.send_response(200); self.send_header('Content-Length', '2'); self.end_headers(); self.wfile.write(b'{}'); return
        path = os.path.join(root, urllib.parse.quote(self.path, safe=''))
        if not os.path.isfile(path):
            self.send_response(404); self.send_header('Content-Length', '0'); self.end_headers(); return
        body = open(path, 'rb').read()
        self.send_response(200)
        self.send_header('Content-Type', open(path + '.type').read() if os.path.exists(path + '.type') else 'application/octet-stream')
        stall = os.path.exists(path + '.stall')
        self.send_header('Content-Length', str(len(body) * (2 if stall else 1)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        if stall:
            with open(os.path.join(root, 'stalled'), 'ab') as mark:
                mark.write(b'.')
        while stall:
            time.sleep(1)

server = socketserver.ThreadingTCPServer(('127.0.0.1', 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
