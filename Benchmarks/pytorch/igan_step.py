"""PyTorch CPU peer of bench-gan: one full Intersectant-GAN training step.

The same networks, shapes, losses and updates as the Swift method (Methods/IntersectantGAN) with
its defaults: a LeNet encoder → u = tanh(linear) (64 bits) → classifier (10 classes); two LeNet-
symmetric generators (fc → BN → LeakyReLU(0.05) → 4×4/2 transposed conv → BN → LeakyReLU → 4×4/2
transposed conv → sigmoid, width 32); two discriminators (LeNet + linear to N + 1). A step is
(1) encoder + classifier + generators on L_c + ε·L_c(target) + L_h + L_s + L_1 + L_a(generator
side), then (2) the discriminators on L_a(discriminator side) with the detached images of (1);
Adam 2e-4, β = (0.5, 0.999) for each group. Batch: `--batch-size` source and as many target images.

Prints the median seconds per step over the repeats as its last line.
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNetFeatures(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.conv2 = nn.Conv2d(20, 50, 5)
        self.fc1 = nn.Linear(800, 500)

    def forward(self, x):
        x = F.max_pool2d(self.conv1(x), 2)
        x = F.max_pool2d(self.conv2(x), 2)
        return F.relu(self.fc1(x.flatten(1)))


class Generator(nn.Module):
    def __init__(self, bits, width, side=28, channels=1):
        super().__init__()
        self.quarter = side // 4
        self.width = width
        self.fc = nn.Linear(bits, 2 * width * self.quarter**2)
        self.fc_norm = nn.BatchNorm2d(2 * width)
        self.deconv1 = nn.ConvTranspose2d(2 * width, width, 4, 2, 1)
        self.norm1 = nn.BatchNorm2d(width)
        self.deconv2 = nn.ConvTranspose2d(width, channels, 4, 2, 1)

    def forward(self, u):
        x = self.fc(u).view(u.shape[0], 2 * self.width, self.quarter, self.quarter)
        x = F.leaky_relu(self.fc_norm(x), 0.05)
        x = F.leaky_relu(self.norm1(self.deconv1(x)), 0.05)
        return torch.sigmoid(self.deconv2(x))


class Discriminator(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.body = LeNetFeatures()
        self.head = nn.Linear(500, classes + 1)

    def forward(self, x):
        return self.head(self.body(x))


def masked_ce(logits, labels):
    """Mean cross-entropy over rows with a label (label −1 = none); 0 when none."""
    mask = labels >= 0
    if not bool(mask.any()):
        return logits.sum() * 0
    return F.cross_entropy(logits[mask], labels[mask])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--bits", type=int, default=64)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    classes, n, d = 10, args.batch_size, args.bits
    encoder, hash_layer, classifier = LeNetFeatures(), nn.Linear(500, d), nn.Linear(d, classes)
    gen_s, gen_t = Generator(d, args.width), Generator(d, args.width)
    dis_s, dis_t = Discriminator(classes), Discriminator(classes)
    encoder_params = list(encoder.parameters()) + list(hash_layer.parameters()) + list(classifier.parameters())
    adam = lambda params: torch.optim.Adam(params, lr=2e-4, betas=(0.5, 0.999))
    opt_e = adam(encoder_params + list(gen_s.parameters()) + list(gen_t.parameters()))
    opt_d = adam(list(dis_s.parameters()) + list(dis_t.parameters()))
    source = torch.rand(n, 1, 28, 28)
    target = torch.rand(n, 1, 28, 28) * 0.6 + 0.3
    labels = torch.arange(n) % classes
    similarity = (labels[:, None] == labels[None, :]).float() * 2 - 1
    threshold, epsilon, v = 0.95, 0.5, 0.1

    def step():
        # Update 1: encoder, classifier and generators.
        opt_e.zero_grad(set_to_none=True)
        u = torch.tanh(hash_layer(encoder(torch.cat([source, target]))))
        u_s, u_t = u[:n], u[n:]
        logits = classifier(u)
        logits_s, logits_t = logits[:n], logits[n:]
        probabilities = F.softmax(logits_t.detach(), dim=1)
        confidence, predicted = probabilities.max(dim=1)
        pseudo = torch.where(confidence > threshold, predicted, torch.full_like(predicted, -1))
        loss = F.cross_entropy(logits_s, labels) + epsilon * masked_ce(logits_t, pseudo)
        loss = loss + 0.5 * ((u_s @ u_s.t() / d - similarity) ** 2).mean()
        loss = loss + 0.5 * v * ((u - torch.sign(u).detach()) ** 2).mean()
        shared = sorted(set(labels.tolist()) & set(p for p in pseudo.tolist() if p >= 0))
        for c in shared:
            loss = loss + ((u_s[labels == c].mean(0) - u_t[pseudo == c].mean(0)) ** 2).sum()
        images_s = gen_s(u)
        recon_s, t_to_s = images_s[:n], images_s[n:]
        images_t = gen_t(torch.cat([u_t, u_s]))
        recon_t, s_to_t = images_t[:n], images_t[n:]
        loss = loss + (recon_s - source).abs().mean() + (recon_t - target).abs().mean()
        loss = loss + F.cross_entropy(dis_t(s_to_t), labels) + masked_ce(dis_s(t_to_s), pseudo)
        loss.backward()
        opt_e.step()
        # Update 2: discriminators on the detached images of update 1.
        opt_d.zero_grad(set_to_none=True)
        fake = torch.full((n,), classes, dtype=torch.long)
        d_loss = masked_ce(dis_s(source), labels) + F.cross_entropy(dis_s(t_to_s.detach()), fake)
        d_loss = d_loss + masked_ce(dis_t(target), pseudo) + F.cross_entropy(dis_t(s_to_t.detach()), fake)
        d_loss.backward()
        opt_d.step()

    for _ in range(args.warmup):
        step()
    timings = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        timings.append((time.perf_counter() - start) / args.steps)
    timings.sort()
    print(f"{timings[len(timings) // 2]:.6f}")


if __name__ == "__main__":
    main()
