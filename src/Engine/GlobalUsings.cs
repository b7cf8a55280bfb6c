// The library's own namespaces that most of its files use (layers, callbacks, metrics read and
// write JSON configs, build ops on tensors). Files outside this list keep their own usings.
global using System.Text.Json.Nodes;
global using Engine.Autograd;
global using Engine.Layers.Initializers;
global using Engine.Serialization;
global using Engine.Tensors;
