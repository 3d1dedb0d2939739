import { render } from 'preact';

function App() {
  return <p>Golden Hour</p>;
}

render(<App />, document.getElementById('app')!);
